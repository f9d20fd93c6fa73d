import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n';
import { nameElementPlusPoppers } from './popperNames';
import { router } from './router';
import 'element-plus/theme-chalk/base.css';
import './console.css';

createApp(App).use(createPinia()).use(router).use(i18n).mount('#app');
nameElementPlusPoppers();
