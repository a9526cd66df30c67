"""Settings read lazily from TAP_* variables, errors naming the variable; clients built once."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

from tap_aws import clients
from tap_aws.resources import FUNCTIONS, RESOURCE_OUTPUTS, Env
from tap_aws.settings import (
    RESOURCE_SETTINGS,
    Settings,
    SettingsError,
    get_settings,
    load_settings,
    variable,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_tools.testing import MotoServer


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("TAP_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    for build in (clients.dynamodb, clients.sqs, clients.s3):
        build.cache_clear()
    yield
    get_settings.cache_clear()
    for build in (clients.dynamodb, clients.sqs, clients.s3):
        build.cache_clear()


def test_a_missing_resource_is_an_error_naming_its_variable() -> None:
    settings = load_settings()
    with pytest.raises(SettingsError, match="TAP_INVENTORY_TABLE is not set"):
        settings.need("inventory_table")


def test_a_set_resource_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAP_INVENTORY_TABLE", "tap-inventory-dev")
    assert load_settings().need("inventory_table") == "tap-inventory-dev"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TAP_RETRY_MODE", "legacy"),
        ("TAP_MAX_ATTEMPTS", "many"),
        ("TAP_READ_TIMEOUT_SECONDS", "-1"),
        ("TAP_INVENTORY_DLQ_URL", "not a url"),
        ("TAP_INVENTORY_TABLE", "x"),
    ],
)
def test_a_malformed_variable_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_settings_are_read_once_and_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAP_LEADERBOARD_TABLE", "tap-leaderboard-a")
    first = get_settings()
    monkeypatch.setenv("TAP_LEADERBOARD_TABLE", "tap-leaderboard-b")
    assert get_settings() is first
    assert first.need("leaderboard_table") == "tap-leaderboard-a"


def test_client_config_carries_retries_and_timeouts() -> None:
    settings = Settings(retry_mode="adaptive", max_attempts=7, connect_timeout_seconds=1.5)
    config = cast("Any", clients.client_config(settings))
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert config.connect_timeout == 1.5
    assert config.read_timeout == settings.read_timeout_seconds


def test_clients_are_built_once_and_reach_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, moto_server: MotoServer
) -> None:
    # Given the local stack's settings (fake credentials, set for this test only)
    monkeypatch.setenv("TAP_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # When a client is asked for twice
    client = clients.dynamodb()
    # Then it is the same client, configured and bound to the emulator
    assert clients.dynamodb() is client
    assert client.meta.endpoint_url == moto_server.endpoint
    assert cast("Any", client.meta.config).retries == {"mode": "standard", "total_max_attempts": 5}
    assert isinstance(client.list_tables()["TableNames"], list)
    assert clients.sqs().meta.endpoint_url == moto_server.endpoint
    assert clients.s3().meta.endpoint_url == moto_server.endpoint


def test_every_function_variable_is_a_settings_field() -> None:
    # Given every variable a function spec says its function reads
    wanted = {name for spec in FUNCTIONS for name in spec.environment}
    # When the settings fields are named as variables
    fields = {variable(name) for name in Settings.model_fields}
    # Then each wanted variable is one of them (the two homes cannot drift apart)
    assert wanted, "the function specs name no variable"
    assert wanted - fields == set()


def test_the_leaderboards_are_parsed_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TAP_LEADERBOARDS", '[{"id": "global"}, {"id": "weekly", "reset": "weekly"}]'
    )
    boards = load_settings().boards()
    assert [(board.id, board.reset) for board in boards] == [
        ("global", "never"),
        ("weekly", "weekly"),
    ]


def test_unset_leaderboards_are_an_error_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="TAP_LEADERBOARDS is not set"):
        load_settings().boards()


def test_a_malformed_variable_shows_its_value_without_pydantic_noise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAP_MAX_ATTEMPTS", "many")
    monkeypatch.setenv("TAP_LEADERBOARDS", '[{"id": "Not Valid"}]')
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "TAP_MAX_ATTEMPTS: Input should be a valid integer, unable to parse" in message
    assert 'as an integer; got "many"' in message
    assert 'TAP_LEADERBOARDS.0.id: leaderboard id "Not Valid" is not allowed' in message
    assert "Value error" not in message


def test_a_malformed_leaderboard_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAP_LEADERBOARDS", '[{"id": "Not Valid"}]')
    with pytest.raises(SettingsError, match="TAP_LEADERBOARDS"):
        load_settings()


def test_every_env_variable_fills_its_settings_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``Env`` member is ``TAP_`` and a ``Settings`` field: setting it sets that field."""
    assert {member.field for member in Env} <= set(Settings.model_fields)
    for member in Env:
        assert member == variable(member.field)
    monkeypatch.setenv(Env.INVENTORY_BUCKET, "tap-inventory-x")
    assert load_settings().need(Env.INVENTORY_BUCKET.field) == "tap-inventory-x"


def test_every_resource_setting_is_needed_by_its_field_and_nothing_else_is() -> None:
    """The resource settings are the ``RESOURCE_OUTPUTS`` keys: unset, each names its variable."""
    settings = load_settings()
    assert {member.field for member in RESOURCE_OUTPUTS} == RESOURCE_SETTINGS
    for member in RESOURCE_OUTPUTS:
        with pytest.raises(SettingsError, match=f"{member} is not set"):
            settings.need(member.field)
    with pytest.raises(ValueError, match="'leaderboards' is not a resource setting"):
        settings.need("leaderboards")


def test_the_client_factory_builds_every_client_alike() -> None:
    """The one factory: its Config, endpoint, region and credentials on every client."""
    settings = Settings.model_validate({"max_attempts": 3, "endpoint_url": "http://127.0.0.1:4566"})
    factory = clients.ClientFactory.from_settings(
        settings, region="eu-west-1", credentials=("key", "secret")
    )
    built = [factory.dynamodb(), factory.sqs(), factory.s3(), factory.events()]
    for client in built:
        assert client.meta.endpoint_url == "http://127.0.0.1:4566"
        assert client.meta.region_name == "eu-west-1"
        assert cast("Any", client.meta.config).retries["total_max_attempts"] == 3
        signer = cast("Any", client)._request_signer  # noqa: SLF001 - botocore's, no public one
        assert signer._credentials.access_key == "key"  # noqa: SLF001
    with pytest.raises(ValueError, match="session"):
        clients.ClientFactory(region="eu-west-1", session=boto3.session.Session())
