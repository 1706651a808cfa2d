"""Every Alembic operation the reader knows

Revision ID: ab12cd34ef56
Revises: 0011aabbccdd
"""

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = 'ab12cd34ef56'
down_revision = '0011aabbccdd'

BACKFILL = "UPDATE accounts SET plan = 'free' WHERE plan IS NULL"


def upgrade():
    if context.is_offline_mode():
        raise Exception('This upgrade is only possible in online mode')
    op.create_table(
        'accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(255), nullable=False, index=True),
        sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()')),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        schema='billing',
    )
    op.add_column('users', sa.Column('plan', sa.String(), nullable=True), schema='users')
    op.execute(BACKFILL)
    op.alter_column('users', 'plan', nullable=False, server_default='free', schema='users')
    op.create_index(None, 'users', ['plan'], schema='users', postgresql_concurrently=True)
    op.create_foreign_key(None, 'users', 'accounts', ['account_id'], ['id'],
                          source_schema='users', referent_schema='billing')
    op.create_check_constraint('plan_known', 'users', "plan IN ('free', 'paid')", schema='users')
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.drop_column('legacy_token')
        batch_op.alter_column('expires', new_column_name='expires_at')
    op.drop_table('old_sessions')
    conn = op.get_bind()
    for row in conn.execute('SELECT id FROM users.users'):
        conn.execute('UPDATE users.users SET plan = %s WHERE id = %s', ('free', row.id))


def downgrade():
    op.drop_constraint('plan_known', 'users', schema='users', type_='check')
    op.drop_index('ix_users_plan', table_name='users', schema='users')
    op.drop_column('users', 'plan', schema='users')
    op.drop_table('accounts', schema='billing')
