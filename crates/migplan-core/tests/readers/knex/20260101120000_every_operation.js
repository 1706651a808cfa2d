// Every Knex schema call the reader knows.
exports.config = { transaction: false }

exports.up = (knex) => {
  return knex.schema.hasTable('accounts').then((exists) => {
    if (!exists) {
      return knex.schema.createTable('accounts', (t) => {
        t.bigIncrements('accountId').primary()
        t.string('name', 128).notNullable()
        t.bigInteger('ownerId').unsigned().notNullable()
        t.foreign('ownerId').references('userId').inTable('users').onDelete('CASCADE')
        t.decimal('balance', 18, 4).defaultTo(0)
        t.dateTime('createdDate').defaultTo(knex.fn.now()).notNullable()
        t.unique(['name'])
        t.index('ownerId')
      })
    }
  }).then(() => knex.schema.alterTable('users', (t) => {
    t.string('nickname', 64).nullable()
    t.dropColumn('legacy')
    t.renameColumn('fullName', 'displayName')
    t.dropIndex('email')
  }))
}

exports.down = function (knex) {
  return knex.schema.dropTableIfExists('accounts')
}
