# Parley as one container: `docker build -t parley .` then see docs/deploy.md.
FROM python:3.11-slim

# Unprivileged, with its state in one volume.
RUN useradd --create-home --uid 10001 parley
WORKDIR /app
COPY pyproject.toml README.md ./
COPY parley ./parley
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER parley
ENV PARLEY_HOME=/var/lib/parley \
    PARLEY_LOG_FORMAT=json
VOLUME ["/var/lib/parley"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["parley", "serve", "--host", "0.0.0.0", "--port", "8000"]
