# The pipeline image: the clemency package, its dbt project and its DAGs, installed from the
# lock file. One image runs every Airflow component and the simulator (docker-compose.yml).
FROM python:3.11-slim

ARG UV_VERSION=0.13.9
# Stop-gap until the lock file carries them: Airflow's metadata database in the compose
# stack is PostgreSQL, which needs a sync driver (psycopg2) and an async one (asyncpg).
ARG POSTGRES_DRIVERS="psycopg2-binary==2.9.13 asyncpg==0.32.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    VIRTUAL_ENV=/opt/clemency/.venv \
    PATH=/opt/clemency/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/clemency/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    CLEMENCY_LAKE=/lake \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /opt/clemency

# Dependencies first (a layer that changes only with the lock file), then the project.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project \
    && uv pip install ${POSTGRES_DRIVERS}

COPY clemency clemency
COPY producers producers
COPY expectations expectations
COPY transforms transforms
COPY dags dags
# The project is installed editable, so clemency.paths finds transforms/ beside the package.
# --inexact keeps the PostgreSQL drivers installed above.
RUN uv sync --frozen --no-dev --inexact

# Airflow's and the lake's folders belong to the runtime user, so named volumes mounted there
# start out writable by it.
RUN useradd --uid 50000 --gid 0 --create-home --shell /usr/sbin/nologin clemency \
    && mkdir -p /lake /opt/airflow/logs /opt/airflow/auth \
    && chown -R clemency:0 /lake /opt/airflow \
    && chmod -R g+rwX /lake /opt/airflow
USER clemency

CMD ["clemency", "--help"]
