"""axe-core in a Playwright page: every WCAG 2.1 A/AA violation fails the test."""

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Run axe on the loaded page; contrast checks axe could not decide count as violations too."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    undecided_contrast = [
        rule
        for rule in result["incomplete"]
        if rule["id"] == "color-contrast" and any("1:1" in str(node) for node in rule["nodes"])
    ]
    return result["violations"] + undecided_contrast


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    summary = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}×, e.g. {v['nodes'][0]['target']})"
        for v in violations
    ]
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(summary)
