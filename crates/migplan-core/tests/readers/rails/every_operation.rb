# Every Active Record schema statement the reader knows.
class EveryOperation < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def up
    create_table :accounts do |t|
      t.string :name, null: false, limit: 120
      t.text :bio
      t.integer :age, default: 0
      t.bigint :visits
      t.boolean :admin, default: false, null: false
      t.decimal :balance, precision: 10, scale: 2
      t.datetime :seen_at
      t.date :born_on
      t.json :settings
      t.references :owner, foreign_key: { to_table: :users }
      t.timestamps
      t.index :name, unique: true
    end
    add_column :users, :nickname, :string, null: false, default: ""
    add_column :users, :tags, :string, array: true, default: []
    add_index :users, :nickname, algorithm: :concurrently
    add_index :users, [:org_id, :email], unique: true, where: "deleted_at IS NULL", name: "users_org_email"
    remove_index :users, :legacy_code
    remove_column :users, :legacy_code
    rename_column :users, :fullname, :full_name
    change_column :users, :bio, :text
    change_column_default :users, :active, from: nil, to: true
    change_column_null :users, :email, false
    add_foreign_key :users, :orgs, validate: false
    validate_foreign_key :users, :orgs
    add_check_constraint :users, "age >= 0", name: "users_age_positive", validate: false
    add_reference :users, :team, index: { algorithm: :concurrently }
    add_timestamps :teams, null: true
    change_table :teams do |t|
      t.string :slug
      t.remove :old_slug
      t.rename :title, :name
    end
    rename_table :teams, :squads
    execute <<~SQL
      UPDATE users SET nickname = name WHERE nickname = '';
    SQL
    drop_table :sessions, if_exists: true
  end

  def down
    raise ActiveRecord::IrreversibleMigration
  end
end
