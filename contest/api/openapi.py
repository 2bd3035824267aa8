"""The OpenAPI document for /api/openapi.json, grown with the API."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


CSRF_REF = "#/components/parameters/CSRF"


def _complete(paths: dict) -> dict:
    """The answers every operation of a kind can give, added where not already said: a
    write's 400 (missing or wrong CSRF token) and 401; a body's 413 (over 256 KB) and
    422 (not a JSON object, wrong types)."""
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            refs = [p.get("$ref") for p in operation.get("parameters", [])]
            if CSRF_REF in refs:
                responses.setdefault("400", _error("missing or wrong CSRF token (csrf)"))
                responses.setdefault("401", _error("not signed in"))
            if "requestBody" in operation:
                responses.setdefault("413", _error("body over 256 KB (too_large)"))
                responses.setdefault(
                    "422", _error("not a JSON object, or a field of the wrong type")
                )
    return paths


def build_spec() -> dict:
    user = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "role": {"type": "string", "enum": ["participant", "organiser", "judge", "admin"]},
            "must_change_password": {"type": "boolean"},
        },
    }
    session = {"type": "object", "properties": {"user": user, "csrf_token": {"type": "string"}}}
    registration = {
        "type": "object",
        "required": [
            "full_name",
            "birth_date",
            "gender",
            "id_number",
            "phone",
            "unit_id",
            "category",
            "password",
            "consent",
        ],
        "properties": {
            "full_name": {"type": "string", "maxLength": 120},
            "birth_date": {"type": "string", "format": "date"},
            "gender": {"type": "string", "enum": ["male", "female"]},
            "id_number": {"type": "string", "pattern": "^[0-9]{12}$"},
            "phone": {"type": "string"},
            "email": {"type": "string"},
            "unit_id": {"type": "integer"},
            "category": {"type": "integer", "description": "id from /api/categories"},
            "address": {"type": "string"},
            "password": {"type": "string", "minLength": 8},
            "consent": {"type": "boolean", "const": True},
            "ref": {
                "type": "string",
                "description": "optional: the code of the referral link the person came "
                "through (its ?ref=); credited like a sign-up on /dang-ky. A referral "
                "cookie of the browser wins over it; an unknown code is ignored",
            },
        },
    }
    paths = {
        "/api/auth/register": {
            "post": {
                "summary": "Register a participant and sign in",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": registration}},
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": session}},
                    },
                    "403": _error("sent by a page of another site (cross_site)"),
                    "409": _error("duplicate at the same moment"),
                    "422": _error("invalid fields, one message each"),
                    "429": _error("too many requests"),
                },
            }
        },
        "/api/auth/login": {
            "post": {
                "summary": "Sign in with phone or email",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["login", "password"],
                                "properties": {
                                    "login": {"type": "string"},
                                    "password": {"type": "string"},
                                    "remember": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "signed in; send csrf_token as X-CSRFToken",
                        "content": {"application/json": {"schema": session}},
                    },
                    "401": _error("wrong login or password"),
                    "403": _error(
                        "account disabled, or sent by a page of another site (cross_site)"
                    ),
                    "422": _error("not a JSON object, or login or password not a text"),
                    "429": _error("too many attempts"),
                },
            }
        },
        "/api/auth/logout": {
            "post": {
                "summary": "Sign out everywhere",
                "parameters": [{"$ref": "#/components/parameters/CSRF"}],
                "responses": {
                    "200": {"description": "signed out"},
                    "400": _error("missing CSRF token"),
                    "401": _error("not signed in"),
                },
            }
        },
        "/api/auth/me": {
            "get": {
                "summary": "The signed-in user and a fresh CSRF token",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": session}},
                    },
                    "401": _error("not signed in"),
                },
            }
        },
        "/api/units": {
            "get": {
                "summary": "Units to choose from",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "units": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "id": {"type": "integer"},
                                                    "name": {"type": "string"},
                                                    "path": {"type": "string"},
                                                    "parent_id": {"type": ["integer", "null"]},
                                                    "kind": {"type": "string"},
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
        "/api/categories": {
            "get": {
                "summary": "Participant categories",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "categories": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "id": {"type": "integer"},
                                                    "name": {"type": "string"},
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    }
    from contest.api import openapi_quiz

    paths.update(openapi_quiz.paths(_error))
    _complete(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hội thi trực tuyến API",
            "version": "1.0.0",
            "description": "Errors are JSON {error, message} (and fields for a 422); "
            "writes need X-CSRFToken; see docs/api.md for the codes.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "parameters": {
                "CSRF": {
                    "name": "X-CSRFToken",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        },
    }
