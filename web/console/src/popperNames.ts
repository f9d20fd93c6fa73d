/**
 * Element Plus opens a date picker's panel as a `role="dialog"` popper with no accessible name, so a
 * screen reader announces an unnamed dialog (axe: aria-dialog-name). The library has no prop for
 * it; this names every such popper as it is added, in the page's language.
 */
const NAMES: Record<string, string> = { 'zh-CN': '选择日期', en: 'Choose a date' };

function nameUnnamedDialogs(root: ParentNode): void {
  for (const el of root.querySelectorAll('.el-popper[role="dialog"]:not([aria-label]):not([aria-labelledby])'))
    el.setAttribute('aria-label', NAMES[document.documentElement.lang] ?? NAMES['zh-CN']!);
}

export function nameElementPlusPoppers(): void {
  nameUnnamedDialogs(document.body);
  new MutationObserver(() => nameUnnamedDialogs(document.body)).observe(document.body, {
    childList: true,
    subtree: true,
  });
}
