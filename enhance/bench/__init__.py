"""The web load test (`manage.py bench_load`): a seeded library, gunicorn with the deploy
settings, and locust driving a mix of API calls and pages. See docs/benchmarks.md."""
