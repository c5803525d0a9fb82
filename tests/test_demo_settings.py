"""The demo runs with DEBUG off and production's pages, on the port it is started on (bin/demo-env)."""

import json
import os
import subprocess
import sys

from tests.test_settings import _CLEARED, _PRINT_SETTINGS, BASE_DIR, settings_of

NAMES = ["DEBUG", "REQUIRE_STAFF_2FA", "SITE_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "MIDDLEWARE"]


def demo_settings(tmp_path, **env) -> dict[str, str]:
    """Settings as bin/run-demo starts them: bin/demo-env sourced into a clean shell, then read."""
    base = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    base.pop("REQUIRE_STAFF_2FA", None)
    base.update(
        DUALCARE_TESTING="0",
        DUALCARE_VAR_DIR=str(tmp_path / "var"),
        PYTHON=sys.executable,
        PRINT_SETTINGS=_PRINT_SETTINGS,
        **env,
    )
    script = '. bin/demo-env && exec "$PYTHON" -c "$PRINT_SETTINGS" "$@"'
    result = subprocess.run(
        ["bash", "-c", script, "demo-env", *NAMES],
        cwd=BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class DemoSettingsTests:
    def test_the_demo_runs_with_debug_off_and_two_factor_off_by_its_own_setting(self, tmp_path):
        values = demo_settings(tmp_path)
        assert values["DEBUG"] == "False"
        assert values["REQUIRE_STAFF_2FA"] == "False"
        assert values["SECURE_SSL_REDIRECT"] == "False"  # plain http on this machine
        assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["MIDDLEWARE"]

    def test_links_in_messages_use_the_port_it_is_started_on(self, tmp_path):
        values = demo_settings(tmp_path, PORT="8101")
        assert values["SITE_URL"] == "http://127.0.0.1:8101"
        assert "127.0.0.1" in values["ALLOWED_HOSTS"]

    def test_it_keeps_one_secret_key_per_checkout(self, tmp_path):
        demo_settings(tmp_path)
        key = (tmp_path / "var" / "demo-secret-key").read_text()
        assert len(key.strip()) >= 50
        demo_settings(tmp_path)
        assert (tmp_path / "var" / "demo-secret-key").read_text() == key

    def test_debug_no_longer_turns_two_factor_off(self, tmp_path):
        assert settings_of(tmp_path, {"DEBUG": "1"}, "REQUIRE_STAFF_2FA") == {"REQUIRE_STAFF_2FA": "True"}
