// dialects: mysql
import { MigrationInterface, QueryRunner } from 'typeorm'

export class DropLegacy1700000000000 implements MigrationInterface {
  name = 'DropLegacy1700000000000'

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `users` ADD `nickname` varchar(255) NULL')
    await queryRunner.query(`CREATE INDEX \`index_users_on_nickname\` ON \`users\` (\`nickname\`)`)
    await queryRunner.dropColumn('users', 'legacy')
    await queryRunner.renameTable('teams', 'squads')
    const rows = await queryRunner.query('SELECT id FROM users')
    for (const row of rows) {
      await queryRunner.query(`UPDATE users SET nickname = '${row.id}' WHERE id = ${row.id}`)
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX `index_users_on_nickname` ON `users`')
    await queryRunner.query('ALTER TABLE `users` DROP COLUMN `nickname`')
  }
}
