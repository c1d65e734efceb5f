import { h } from 'vue'
