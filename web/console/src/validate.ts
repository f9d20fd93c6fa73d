/**
 * The payer fields as the API validates them (schemas/notices.ts), checked before sending so the
 * department sees the mistake next to the field.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** GB 11643: 17 digits and a check character. */
export function residentIdValid(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(id[i]), 0);
  return CHECK[sum % 11] === id[17];
}

export function idNumberProblem(idType: string, idNumber: string, zh: boolean): string | undefined {
  const id = idNumber.trim();
  if (!id) return zh ? '请填写证件号码' : 'Enter the ID number';
  if (idType === 'resident-id' && !residentIdValid(id.toUpperCase()))
    return zh ? '居民身份证号码应为 18 位且校验位正确' : 'A resident ID has 18 characters and a valid check digit';
  return undefined;
}
