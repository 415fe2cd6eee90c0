// How every browser script here starts Chromium: Debian's /usr/bin/chromium,
// driven by playwright-core, which never downloads a browser.

export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium tries to reach Google's
// services at every start; this machine's network refuses them.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // axe-core reads stylesheets (CSSOM) for rules such as css-orientation-lock;
  // on file:// pages (origin "null") Chromium blocks that read as cross-origin.
  '--allow-file-access-from-files',
];
