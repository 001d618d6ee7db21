"""Driving a page by keyboard alone: where the focus is, that every key press moves it, and that
it can always be seen (WCAG 2.1.1, 2.1.2, 2.4.7)."""

# What has the focus, and whether it shows: an outline (or a box shadow) while `:focus-visible`.
FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    return {
        id: element.id,
        tag: element.tagName.toLowerCase(),
        name: element.getAttribute('name') || '',
        type: element.getAttribute('type') || '',
        href: element.getAttribute('href') || '',
        text: (element.getAttribute('aria-label') || element.textContent || '').trim().slice(0, 40),
        inMap: !!element.closest('.portal-map--picker, .portal-map'),
        index: Array.prototype.indexOf.call(document.querySelectorAll('*'), element),
        focusVisible: element.matches(':focus-visible'),
        indicator: outline ? `outline ${style.outlineWidth} ${style.outlineStyle}`
            : shadow ? `box-shadow ${style.boxShadow}` : '',
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(state: dict) -> None:
    """The focused element matches :focus-visible and draws an outline or a shadow."""
    if state["tag"] == "body":
        return  # between the page and the browser's own controls: nothing to show
    assert state["focusVisible"] and state["indicator"], f"the focus cannot be seen on {state}"


def press(page, key: str, trail: list) -> dict:
    """Press a key; Tab and Shift+Tab must move the focus on, and it must show."""
    before = focused(page)
    page.keyboard.press(key)
    now = focused(page)
    if key in {"Tab", "Shift+Tab"}:
        assert now["index"] != before["index"] or now["tag"] == "body", (
            f"{key} did not move on from {before}: the focus is trapped"
        )
    assert_focus_visible(now)
    trail.append(now)
    return now


def tab_to(page, matches, trail: list, *, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab until the focused element matches (an id, or a predicate on the state)."""
    check = (lambda state: state["id"] == matches) if isinstance(matches, str) else matches
    for _ in range(limit):
        now = press(page, key, trail)
        if check(now):
            return now
    raise AssertionError(f"{matches} never got the focus: {trail[-limit:]}")


# Every element the keyboard can reach, focused in turn (after a Tab, so the browser treats the
# focus as keyboard focus): those that show no outline or shadow, on themselves or (KERN's
# stretched card links) on their ::before/::after.
WITHOUT_INDICATOR = """() => {
    const reachable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
        + 'iframe, [contenteditable=true], [tabindex]:not([tabindex="-1"])';
    const shows = (style) => (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
        || (style.boxShadow !== 'none' && style.boxShadow !== '');
    const missing = [];
    for (const element of document.querySelectorAll(reachable)) {
        const box = element.getBoundingClientRect();
        if (element.disabled || element.getAttribute('tabindex') === '-1') continue;
        if (box.width === 0 && box.height === 0) continue;
        if (getComputedStyle(element).visibility === 'hidden') continue;
        element.focus();
        if (document.activeElement !== element) continue;
        const visible = element.matches(':focus-visible') && (
            shows(getComputedStyle(element))
            || shows(getComputedStyle(element, '::after'))
            || shows(getComputedStyle(element, '::before')));
        if (!visible) missing.push(element.outerHTML.slice(0, 140));
    }
    document.activeElement.blur();
    return missing;
}"""


def elements_without_focus_indicator(page) -> list[str]:
    page.keyboard.press("Tab")  # keyboard modality: script focus now counts as :focus-visible
    return page.evaluate(WITHOUT_INDICATOR)
