"""Person pseudonyms: HMAC-SHA256 of the person id under `CLEMENCY_PSEUDONYM_KEY`.

Curated tables and reports carry only this key. The same function runs inside dbt (as
the DuckDB function `person_key`) and in `clemency explain`, so both always agree.
"""

from __future__ import annotations

import hashlib
import hmac


def person_key(key: str, person_id: str) -> str:
    digest = hmac.new(key.encode("utf-8"), person_id.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]
