"""Realistic payloads, as `get` returns them: settings, recorded actions, spam classification and
DMARC troubleshooting results with nested unions, sets, maps and enums. Deterministic."""

from __future__ import annotations

import random
from typing import Any

RESULTS = ("Pass", "Fail", "SoftFail", "TempError", "PermError", "Neutral", "None")


def settings(rng: random.Random, i: int) -> dict[str, Any]:
    return {"id": "singleton"} | {k: rng.randint(1, 500) for k in ("domainLimit", "emailLimit", "ipLimit", "urlLimit")}


def simple_action(rng: random.Random, i: int) -> dict[str, Any]:
    kind = rng.choice(("ReloadSettings", "PauseMtaQueue", "ResumeMtaQueue", "InvalidateCaches"))
    return {"id": f"i{i}", "@type": kind}


def classify(rng: random.Random, i: int) -> dict[str, Any]:
    tags = {
        f"TAG_{j}": {"score": round(rng.uniform(-5, 5), 2), "disposition": rng.choice(("score", "reject", "discard"))}
        for j in range(rng.randint(2, 6))
    }
    return {
        "id": f"c{i}",
        "@type": "ClassifySpam",
        "message": "From: a@example.com\r\nSubject: offer\r\n\r\n" + "x" * rng.randint(50, 400),
        "remoteIp": f"192.0.2.{rng.randint(1, 254)}",
        "ehloDomain": f"mx{i}.example.net",
        "authenticatedAs": None if rng.random() < 0.7 else f"user{i}",
        "isTls": rng.random() < 0.8,
        "envFrom": f"sender{i}@example.com",
        "envFromParameters": rng.choice((None, "bit7", "binaryMime", "smtpUtf8")),
        "envRcptTo": {f"rcpt{j}@example.org": True for j in range(rng.randint(1, 4))},
        "score": round(sum(t["score"] for t in tags.values()), 2),
        "tags": tags,
        "result": rng.choice(("spam", "ham", "reject", "discard")),
    }


def _auth(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(RESULTS)
    return (
        {"@type": kind}
        if kind in ("Pass", "None")
        else {"@type": kind, "details": rng.choice((None, "policy says no"))}
    )


def dmarc(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": f"d{i}",
        "@type": "TroubleshootDmarc",
        "remoteIp": f"198.51.100.{rng.randint(1, 254)}",
        "ehloDomain": "mail.example.com",
        "mailFrom": f"bounce{i}@example.com",
        "message": None,
        "spfEhloDomain": "mail.example.com",
        "spfEhloResult": _auth(rng),
        "spfMailFromDomain": "example.com",
        "spfMailFromResult": _auth(rng),
        "ipRevResult": _auth(rng),
        "ipRevPtr": {f"host{j}.example.com": True for j in range(rng.randint(0, 2))},
        "dkimResults": {str(j): _auth(rng) for j in range(rng.randint(0, 3))},
        "dkimPass": rng.random() < 0.5,
        "arcResult": _auth(rng),
        "dmarcResult": _auth(rng),
        "dmarcPass": rng.random() < 0.5,
        "dmarcPolicy": rng.choice(("none", "quarantine", "reject", "unspecified")),
        "elapsed": rng.randint(0, 5000),
    }


SHAPES = {
    "SpamDnsblSettings": settings,
    "Action (no fields)": simple_action,
    "Action ClassifySpam": classify,
    "Action TroubleshootDmarc": dmarc,
}


def corpus(shape: str, count: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [SHAPES[shape](rng, i) for i in range(count)]
