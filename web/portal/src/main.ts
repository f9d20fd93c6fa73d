import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';
// The Vant parts the portal uses (see vite.config.ts: no icon font).
import 'vant/es/style/base.css';
import 'vant/es/cell/index.css';
import 'vant/es/cell-group/index.css';
import 'vant/es/field/index.css';
import 'vant/es/loading/index.css';
import 'vant/es/button/index.css';
import './style.css';

createApp(App).use(i18n).use(router).mount('#app');
