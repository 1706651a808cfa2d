class AddNickname < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :nickname, :string, null: false
    add_index :users, :nickname
    remove_column :users, :legacy_name
  end
end
