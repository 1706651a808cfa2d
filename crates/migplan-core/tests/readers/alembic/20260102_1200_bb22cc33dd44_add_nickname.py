"""Add a nickname

Revision ID: bb22cc33dd44
Revises: ab12cd34ef56
"""

import sqlalchemy as sa
from alembic import op

revision = 'bb22cc33dd44'
down_revision = 'ab12cd34ef56'


def upgrade():
    op.add_column('users', sa.Column('nickname', sa.String(64), nullable=False, server_default=''))
    op.create_index('ix_users_nickname', 'users', ['nickname'])
    op.drop_column('users', 'legacy')


def downgrade():
    op.drop_index('ix_users_nickname', table_name='users')
    op.drop_column('users', 'nickname')
