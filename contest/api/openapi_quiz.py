"""OpenAPI paths of the quiz-taking API."""

from __future__ import annotations


def paths(error) -> dict:
    option = {
        "type": "object",
        "required": ["id", "text"],
        "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
    }
    question = {
        "type": "object",
        "required": ["id", "text", "options", "multiple"],
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer"},
            "text": {"type": "string"},
            "multiple": {"type": "boolean"},
            "options": {"type": "array", "items": option},
            "image": {
                "description": "the question's picture, or null; the URL is private to "
                "the participant whose paper holds it (and to organisers), immutable",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["url", "alt", "width", "height"],
                        "properties": {
                            "url": {"type": "string"},
                            "alt": {"type": "string"},
                            "width": {"type": "integer"},
                            "height": {"type": "integer"},
                        },
                    },
                ],
            },
            "correct_option_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "only for a finished attempt whose review policy allows it",
            },
            "explanation": {
                "type": "string",
                "description": "the question's explanation; with correct_option_ids only",
            },
        },
    }
    attempt = {
        "type": "object",
        "required": ["id", "status", "deadline", "server_time", "questions", "answers"],
        "properties": {
            "id": {"type": "integer"},
            "round_id": {"type": "integer"},
            "number": {"type": "integer"},
            "is_practice": {"type": "boolean"},
            "status": {"type": "string", "enum": ["in_progress", "submitted", "expired"]},
            "started_at": {"type": "string", "format": "date-time"},
            "deadline": {"type": "string", "format": "date-time"},
            "server_time": {"type": "string", "format": "date-time"},
            "grace_seconds": {"type": "integer"},
            "questions": {"type": "array", "items": question},
            "answers": {
                "type": "object",
                "description": "{question_id: [option ids]}",
                "additionalProperties": {"type": "array", "items": {"type": "integer"}},
            },
            "prediction": {"type": ["integer", "null"]},
            "prediction_text": {"type": "string"},
            "score": {"type": "integer"},
            "total": {"type": "integer"},
            "duration_ms": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
        },
    }
    result = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string"},
            "score": {"type": "integer"},
            "total": {"type": "integer"},
            "duration_ms": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "prediction": {"type": ["integer", "null"]},
        },
    }
    saved_answer = {
        "type": "object",
        "properties": {
            "question_id": {"type": "integer"},
            "option_ids": {"type": "array", "items": {"type": "integer"}},
            "seq": {"type": "integer"},
            "client": {"type": ["string", "null"]},
            "saved_at": {"type": "string", "format": "date-time"},
            "applied": {"type": "boolean"},
            "reason": {
                "type": "string",
                "enum": ["older_retry", "newer_save"],
                "description": "when not applied: an older save of the same device, or "
                "another save arrived after this one",
            },
        },
    }
    unsent = {
        "type": "object",
        "properties": {
            "unsent": {"type": "object"},
            "positions": {"type": "array", "items": {"type": "integer"}},
            "prediction": {"type": "boolean"},
        },
    }
    clock = {
        "type": "object",
        "required": ["id", "status", "started_at", "deadline", "server_time"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["in_progress", "submitted", "expired"]},
            "started_at": {"type": "string", "format": "date-time"},
            "deadline": {"type": "string", "format": "date-time"},
            "delivered_at": {"type": ["string", "null"], "format": "date-time"},
            "server_time": {"type": "string", "format": "date-time"},
            "grace_seconds": {"type": "integer"},
        },
    }
    csrf = [{"$ref": "#/components/parameters/CSRF"}]
    attempt_id = {
        "name": "attempt_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    common = {
        "401": error("not signed in"),
        "403": error("not your attempt"),
        "404": error("no such attempt or question"),
    }

    def json_body(schema):
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def ok(schema, description="ok"):
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    return {
        "/api/rounds/{round_id}/attempts": {
            "post": {
                "summary": "Start an attempt, or get the one in progress",
                "parameters": [
                    {
                        "name": "round_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    *csrf,
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"practice": {"type": "boolean"}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": ok(attempt, "started; the timer runs from now"),
                    "200": ok(attempt, "already in progress: the same attempt"),
                    "400": error("missing CSRF token"),
                    "401": error("not signed in"),
                    "403": error("not eligible (the message says why)"),
                    "404": error("no such round"),
                    "409": error("round not open, or attempt limit reached"),
                },
            }
        },
        "/api/attempts/{attempt_id}": {
            "get": {
                "summary": "The attempt's state; an attempt past its deadline is finalised here",
                "parameters": [attempt_id],
                "responses": {"200": ok(attempt), **common},
            }
        },
        "/api/attempts/{attempt_id}/answers/{question_id}": {
            "put": {
                "summary": "Save the chosen options of one question (empty list clears)",
                "parameters": [
                    attempt_id,
                    {
                        "name": "question_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    *csrf,
                ],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["option_ids"],
                        "properties": {
                            "option_ids": {"type": "array", "items": {"type": "integer"}},
                            "seq": {
                                "type": "integer",
                                "minimum": 0,
                                "description": "this device's sequence number: it orders "
                                "only this device's saves (a lower one than the stored "
                                "answer's, from the same client, is an old retry and is "
                                "ignored); saves from different devices are ordered by "
                                "their arrival at the server",
                            },
                            "client": {
                                "type": "string",
                                "pattern": "^[A-Za-z0-9_.:-]{1,64}$",
                                "description": "the device (quiz page) sending the save, a "
                                "random id it keeps per attempt; without it, saves with seq "
                                "count as one device's",
                            },
                        },
                    }
                ),
                "responses": {
                    "200": ok(
                        saved_answer,
                        "what is stored now; applied says whether this save is it",
                    ),
                    **common,
                    "409": error("already submitted"),
                    "410": error("deadline plus grace passed, or the attempt has ended"),
                    "422": error("bad options, seq or client; a body that is not JSON"),
                },
            }
        },
        "/api/attempts/{attempt_id}/prediction": {
            "put": {
                "summary": "Save the prediction (a whole number ≥ 0, or null)",
                "parameters": [attempt_id, *csrf],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["value"],
                        "properties": {"value": {"type": ["integer", "null"], "minimum": 0}},
                    }
                ),
                "responses": {
                    "200": ok(
                        {
                            "type": "object",
                            "properties": {"prediction": {"type": ["integer", "null"]}},
                        }
                    ),
                    **common,
                    "409": error("already submitted"),
                    "410": error("deadline plus grace passed, or the attempt has ended"),
                    "422": error(
                        "not a whole number ≥ 0, no value key, or a body that is not JSON "
                        "(never read as a clear)"
                    ),
                },
            }
        },
        "/api/attempts/{attempt_id}/submit": {
            "post": {
                "summary": "Submit exactly once; repeating returns the same result",
                "parameters": [attempt_id, *csrf],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "prediction": {"type": ["integer", "null"], "minimum": 0}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": ok(result, "submitted; a repeat returns the same result"),
                    **common,
                    "410": error(
                        "deadline plus grace passed, or the attempt has ended (expired): "
                        "finalised from saved answers"
                    ),
                    "422": error("bad prediction, or a body that is not JSON"),
                },
            }
        },
        "/api/attempts/{attempt_id}/received": {
            "post": {
                "summary": "Confirm the paper has arrived: the time limit counts from now",
                "description": "Only the first confirmation of an attempt in progress "
                "counts; it moves the start to its arrival, never later than the start "
                "request's arrival plus QUIZ_DELIVERY_MAX_SECONDS (30 s), never before "
                "the hand-out, and the deadline never past the round's close. A repeat, "
                "or one for a finished attempt, changes nothing. Body: none or {}.",
                "parameters": [attempt_id, *csrf],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": ok(clock, "the attempt's clock as it now stands"),
                    **common,
                    "422": error("a body that is not JSON"),
                },
            }
        },
        "/api/attempts/{attempt_id}/unsent": {
            "put": {
                "summary": "Report what the page chose but could not send before the end",
                "description": "A record for disputes and for the result page, never "
                "graded: it changes no answer, score or prediction, so it is taken after "
                "the attempt has ended, even after deadline plus grace. Answers the server "
                "does hold are left out; reports merge.",
                "parameters": [attempt_id, *csrf],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "answers": {
                                "type": "object",
                                "description": "{question_id: [option ids]}",
                                "additionalProperties": {
                                    "type": "array",
                                    "items": {"type": "integer"},
                                },
                            },
                            "prediction": {"type": ["integer", "null"], "minimum": 0},
                        },
                    }
                ),
                "responses": {
                    "200": ok(unsent),
                    **common,
                    "409": error("the attempt is in progress: save the answers instead"),
                    "422": error("a question not on the paper, a bad choice, not JSON"),
                },
            }
        },
    }
