"""The runtime's compatibility check, as a generated package calls it at import."""

from __future__ import annotations

import pytest
import schemagen_runtime
from schemagen_runtime import require


def test_the_distribution_version_is_the_module_version() -> None:
    from importlib.metadata import version

    assert version("schemagen-runtime") == schemagen_runtime.__version__


@pytest.mark.parametrize("generated_with", ["1.0", "1.0.0"])
def test_code_generated_for_this_runtime_imports(generated_with: str) -> None:
    require(generated_with, "pkg", installed="1.0.0")
    require(generated_with, "pkg", installed="1.7.2")  # a newer minor version still runs older code


@pytest.mark.parametrize(
    ("generated_with", "installed"),
    [("1.3", "1.2.9"), ("2.0", "1.9.0"), ("1.0", "2.0.0")],
)
def test_an_incompatible_runtime_is_refused_with_what_to_install(generated_with: str, installed: str) -> None:
    with pytest.raises(ImportError) as refused:
        require(generated_with, "demo_pkg", installed=installed)
    message = str(refused.value)
    major, minor = generated_with.split(".")
    assert f"demo_pkg was generated for schemagen-runtime {generated_with}" in message
    assert f"schemagen-runtime {installed} is installed" in message
    assert f"'schemagen-runtime>={major}.{minor},<{int(major) + 1}'" in message


@pytest.mark.parametrize("bad", ["1", "x.y", "1.-2", "1." + "9" * 50])
def test_a_malformed_version_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match=r"not a MAJOR\.MINOR version"):
        require(bad, "pkg")
