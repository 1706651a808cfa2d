'use strict';

/** Every queryInterface call the reader knows. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('Accounts', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: Sequelize.STRING(128), allowNull: false },
      status: { type: Sequelize.ENUM('ACTIVE', 'CLOSED'), defaultValue: 'ACTIVE' },
      UserId: { type: Sequelize.INTEGER, references: { model: 'Users', key: 'id' }, onDelete: 'CASCADE' },
      createdAt: { type: Sequelize.DATE, defaultValue: Sequelize.NOW },
    });
    await queryInterface.addColumn('Users', 'nickname', { type: Sequelize.STRING, allowNull: true });
    await queryInterface.changeColumn('Users', 'bio', { type: Sequelize.TEXT, allowNull: true });
    await queryInterface.renameColumn('Users', 'fullName', 'displayName');
    await queryInterface.removeColumn('Users', 'legacy');
    await queryInterface.addIndex('Users', ['email'], { concurrently: true, unique: true });
    await queryInterface.sequelize.query(`UPDATE "Users" SET "nickname" = "displayName"`);
  },

  down: async (queryInterface) => {
    await queryInterface.dropTable('Accounts');
  },
};
