// Screenshots for the build artifacts, shared by the browser stories.
'use strict';
const path = require('path');

// Chromium now and then answers a capture with "Unable to capture screenshot" while two
// browsers share a loaded machine; the page itself is fine. Try again after a pause, and at
// last settle for the visible part, before failing the story.
async function shot(page, dir, name) {
  const file = path.join(dir, name + '.png');
  const attempts = [{ fullPage: true }, { fullPage: true }, { fullPage: false }];
  let failure;
  for (const options of attempts) {
    try {
      await page.screenshot({ path: file, ...options });
      console.log('screenshot', name);
      return;
    } catch (error) {
      failure = error;
      await page.waitForTimeout(500);
    }
  }
  throw failure;
}

module.exports = { shot };
