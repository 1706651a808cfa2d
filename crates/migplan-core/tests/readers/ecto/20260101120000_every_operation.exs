# dialects: postgres
defmodule App.Repo.Migrations.EveryOperation do
  use Ecto.Migration

  @disable_ddl_transaction true
  @disable_migration_lock true

  def change do
    create table(:accounts) do
      add :name, :string, null: false
      add :tags, {:array, :string}, default: []
      add :owner_id, references(:users, on_delete: :delete_all)
      timestamps()
    end

    alter table(:users) do
      add :nickname, :text
      modify :bio, :text, null: true
      remove :legacy
    end

    create index(:users, [:email], concurrently: true, unique: true)
    create constraint(:accounts, :name_not_blank, check: "name <> ''")
    rename table(:users), :full_name, to: :display_name
    execute "UPDATE users SET nickname = display_name", "UPDATE users SET nickname = NULL"
    drop_if_exists index(:users, [:old_code])
  end
end
