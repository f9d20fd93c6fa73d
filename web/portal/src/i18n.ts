import { createI18n } from 'vue-i18n';
import { messages, type Locale } from './messages';

const STORE = 'portal.locale';
const saved = (() => {
  try {
    return localStorage.getItem(STORE);
  } catch {
    return null;
  }
})();

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages,
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORE, locale);
  } catch {
    // private mode: the choice lasts for this page only
  }
}
document.documentElement.lang = i18n.global.locale.value;
