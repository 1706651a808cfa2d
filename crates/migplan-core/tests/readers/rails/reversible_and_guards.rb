class Guarded < ActiveRecord::Migration[6.1]
  def change
    reversible do |dir|
      dir.up do
        return if connection.table_exists?(:jobs)
      end
      dir.down { execute "DROP VIEW IF EXISTS job_stats" }
    end
    safety_assured { remove_column :jobs, :payload, :text }
    add_index :jobs, :queue unless index_exists?(:jobs, :queue)
    if Rails.env.production?
      Job.find_each(&:touch)
    end
  end
end
