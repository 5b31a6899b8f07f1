/**
 * The widget's only stylesheet (see styles.css), as text for the shadow root's `<style>`. It is a
 * CSS file imported `?inline` so that the build minifies it like any stylesheet (comments,
 * whitespace, shorter colours: ~0.3 KB gzip off embed.js, which loads before the launcher).
 */
import STYLES from './styles.css?inline';

export { STYLES };
