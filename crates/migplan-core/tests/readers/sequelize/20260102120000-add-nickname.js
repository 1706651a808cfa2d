'use strict';

module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.addColumn('Users', 'nickname', { type: Sequelize.STRING, allowNull: false, defaultValue: '' });
    await queryInterface.addIndex('Users', ['nickname']);
    await queryInterface.removeColumn('Users', 'legacy');
  },
  down: async (queryInterface) => {
    await queryInterface.removeColumn('Users', 'nickname');
  },
};
