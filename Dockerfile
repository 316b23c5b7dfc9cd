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
# Behind the HTTPS proxy: set LEAD_TRUSTED_PROXIES=1 (README, "Running in production"). The access log
# holds paths only: no query strings, no credentials (api/access_log.py).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--limit-request-line", "8190", \
     "--logger-class", "api.access_log.PrivateAccessLogger", "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(M)sms", "api.app:create_app()"]
