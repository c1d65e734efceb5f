import { h } from 'vue'
import Theme from '@voidzero-dev/vitepress-theme/src/vite'
