"""Counts WeasyPrint renders of a server or worker process of test_topology.py: each render
appends a line (the process id) to the file named by RENDER_LOG. Used as a gunicorn config
file (`-c`) and, for the worker, through `run_worker`."""

import os
import sys


def install() -> None:
    from agreements import pdf

    real = pdf.render_pdf

    def counted(html, **kwargs):
        content = real(html, **kwargs)
        with open(os.environ["RENDER_LOG"], "a") as log:  # test instrumentation, not the app
            log.write(f"{os.getpid()}\n")
        return content

    pdf.render_pdf = counted


def post_worker_init(worker):  # gunicorn hook
    install()


def run_worker() -> None:
    import django

    django.setup()
    install()
    from django.core.management import call_command

    call_command("db_worker", *sys.argv[1:])


if __name__ == "__main__":
    run_worker()
