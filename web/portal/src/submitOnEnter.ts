/**
 * Vant's Field cancels the Enter key outside a van-form (it prevents the keypress), which stops a
 * native form from submitting when a keyboard user presses Enter in a text box. Forms built from
 * van-field put this on their keydown to submit as any form would.
 */
export function submitOnEnter(event: KeyboardEvent): void {
  const target = event.target;
  if (event.key !== 'Enter' || event.isComposing || !(target instanceof HTMLInputElement)) return;
  event.preventDefault();
  target.form?.requestSubmit();
}
