"""What every browser test does on a page: check it with axe-core and photograph it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOTS = Path(__file__).parent / "screenshots"
BLOCKING = ("serious", "critical")


def check_accessibility(page: Any, axe_source: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: [
                    'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'
                ]}
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))
            }));
        }"""
    )
    bad = [v for v in violations if v["impact"] in BLOCKING]
    assert not bad, f"accessibility violations on {page.url}: {bad}"


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visit(page: Any, axe_source: str, path: str, name: str) -> Any:
    """Open a console page, check it and photograph it."""
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    check_accessibility(page, axe_source)
    shoot(page, name)
    return response


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
