FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# Dependencies first, exactly as locked (hashes checked; a cached layer while the lock is
# unchanged), then the project itself, installed in place so /app is the only copy.
COPY requirements/app.lock requirements/app.lock
RUN pip install --require-hashes --no-deps -r requirements/app.lock
COPY . .
COPY --from=frontend /app/node_modules ./node_modules
RUN pip install --no-deps --no-build-isolation -e .
RUN DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "livescores.asgi:application"]
