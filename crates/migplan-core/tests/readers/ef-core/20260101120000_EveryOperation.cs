// dialects: postgres
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace App.Migrations;

/// <inheritdoc />
public partial class EveryOperation : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Account",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                OwnerId = table.Column<Guid>(type: "uuid", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Account", x => x.Id);
                table.ForeignKey(
                    name: "FK_Account_User_OwnerId",
                    column: x => x.OwnerId,
                    principalTable: "User",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.AddColumn<bool>(
            name: "UseSso",
            table: "Organization",
            type: "boolean",
            nullable: false,
            defaultValue: false);

        migrationBuilder.AlterColumn<string>(
            name: "Email",
            table: "User",
            type: "character varying(256)",
            maxLength: 256,
            nullable: false,
            oldClrType: typeof(string),
            oldType: "text",
            oldNullable: true);

        migrationBuilder.RenameColumn(name: "Title", table: "Organization", newName: "DisplayName");
        migrationBuilder.DropColumn(name: "Legacy", table: "User");
        migrationBuilder.CreateIndex(name: "IX_Account_OwnerId", table: "Account", column: "OwnerId");
        migrationBuilder.Sql("UPDATE \"Organization\" SET \"UseSso\" = TRUE WHERE \"Plan\" = 'enterprise';");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "Account");
    }
}
