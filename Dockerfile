FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY directory ./directory
COPY matching ./matching
COPY ingest ./ingest
COPY api ./api
COPY seed_data ./seed_data
RUN pip install --no-cache-dir .
ENV LEAD_ES_URL=http://elasticsearch:9200
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "api.app:create_app()"]
