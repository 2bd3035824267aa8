"""Baselines measured in the same run as the quiz benchmark: a bare Flask "hello" and a
minimal Flask-SQLAlchemy upsert endpoint on the same database."""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)


class Item(db.Model):
    __tablename__ = "bench_items"
    k: Mapped[str] = mapped_column(String(40), primary_key=True)
    v: Mapped[int] = mapped_column(Integer)


if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _pragmas(conn, _record):
            conn.isolation_level = None
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=15000")
            conn.execute("PRAGMA synchronous=NORMAL")

        @event.listens_for(db.engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_tables() -> None:
    """Run once by the benchmark before gunicorn starts (never in each worker)."""
    with app.app_context():
        db.create_all()


@app.get("/hello")
def hello():
    return "hello"


@app.put("/upsert/<k>")
def upsert(k):
    value = int((request.get_json(silent=True) or {}).get("v", 0))
    item = db.session.get(Item, k)
    if item is None:
        db.session.add(Item(k=k, v=value))
    else:
        item.v = value
    db.session.commit()
    return jsonify({"k": k, "v": value})
