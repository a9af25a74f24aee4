from alembic import context
from sqlmodel import SQLModel

from custtrack import models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them; alembic's batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
