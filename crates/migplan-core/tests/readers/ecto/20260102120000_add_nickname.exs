# dialects: postgres
defmodule App.Repo.Migrations.AddNickname do
  use Ecto.Migration

  def change do
    alter table(:users) do
      add :nickname, :string, null: false, default: ""
      remove :legacy
    end

    create index(:users, [:nickname])
  end
end
