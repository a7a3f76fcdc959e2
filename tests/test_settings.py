"""Settings: defaults run the demo; every bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from clemency.settings import DEMO_PSEUDONYM_KEY, SettingsError, load_settings


def test_defaults_run_the_embedded_demo():
    settings = load_settings({})
    assert settings.bootstrap_servers == "127.0.0.1:19092"
    assert settings.lake.root == Path("lake").resolve()
    assert settings.pseudonym_key == DEMO_PSEUDONYM_KEY and settings.uses_demo_key
    assert settings.topic_partitions == 3


def test_values_are_read_from_prefixed_variables(tmp_path):
    settings = load_settings(
        {
            "CLEMENCY_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092",
            "CLEMENCY_LAKE": str(tmp_path),
            "CLEMENCY_PSEUDONYM_KEY": "a-real-secret-of-32-characters!!",
            "CLEMENCY_ENVIRONMENT": "production",
            "CLEMENCY_TOPIC_PARTITIONS": "12",
        }
    )
    assert settings.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.lake.root == tmp_path
    assert not settings.uses_demo_key
    assert settings.topic_partitions == 12


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("CLEMENCY_BOOTSTRAP_SERVERS", "kafka-1", "is not host:port"),
        ("CLEMENCY_BOOTSTRAP_SERVERS", " ", "must not be empty"),
        ("CLEMENCY_TOPIC_PARTITIONS", "three", "is not a whole number"),
        ("CLEMENCY_TOPIC_PARTITIONS", "0", "outside 1-64"),
        ("CLEMENCY_ENVIRONMENT", "prod", "is not one of"),
        ("CLEMENCY_PSEUDONYM_KEY", "short", "at least 16"),
    ],
)
def test_bad_values_fail_naming_the_variable(variable, value, fragment):
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert str(caught.value).startswith(f"{variable}:")
    assert fragment in str(caught.value)


def test_lake_that_is_a_file_is_refused(tmp_path):
    a_file = tmp_path / "lake"
    a_file.write_text("not a folder")
    with pytest.raises(SettingsError, match="^CLEMENCY_LAKE:"):
        load_settings({"CLEMENCY_LAKE": str(a_file)})


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
def test_demo_key_is_refused_in_every_environment_but_demo(environment):
    with pytest.raises(SettingsError, match="^CLEMENCY_PSEUDONYM_KEY: the demo key is refused"):
        load_settings({"CLEMENCY_ENVIRONMENT": environment})
    assert load_settings({}).uses_demo_key  # the demo, and only it
