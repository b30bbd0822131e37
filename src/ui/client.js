// The page's one script, inlined by `shell` and called with the URLs of the
// client's files: the .js, the .wasm and the split loader that the .js
// imports (or null). It does two jobs:
//
// 1. Islands. It loads the WASM client and hydrates each `<leptos-island>`
//    the server rendered: the only parts of a page that run in the browser.
//    Everything else stays the server's HTML. A lazy island (a post form)
//    fetches its own part of the client first.
// 2. Navigation. A click on a link to this site, a plain form's submission
//    and the back and forward buttons fetch the next page's HTML from the
//    server, as a browser without JavaScript would, and swap it into the
//    page: no full load, so the client is loaded and started once. What the
//    server sends is fresh (its caches never serve a page older than a write
//    the visitor has seen answered), so nothing on screen is kept from
//    before a navigation except the islands' state in the parts that did
//    not change. The title, the theme, the scroll position and the focus
//    follow, as after a real page load.
//
// Islands call `window.bulletinNavigate(path, flash)` to go somewhere after a
// write, with the one-line message to show there.
(jsUrl, wasmUrl, splitUrl) => {
  let client = null;
  let latest = 0;
  // The page on screen, without its #fragment: Back from an in-page anchor
  // changes only the fragment, and the page stays as it is.
  const pageOf = (url) => url.origin + url.pathname + url.search;
  let shown = pageOf(location);
  history.scrollRestoration = 'manual';

  // Hydrates the islands not hydrated yet. A lazy island (the forms) first
  // fetches its own part of the client; the promise settles when all have.
  const hydrateIslands = () => {
    if (!client) return Promise.resolve();
    const started = [];
    for (const island of document.querySelectorAll('leptos-island')) {
      if (island.bulletinStarted) continue;
      island.bulletinStarted = true;
      const hydrate = client[island.dataset.component];
      if (hydrate) {
        // Until it is live, a form in it is sent by the submit handler below.
        started.push(Promise.resolve(hydrate(island)).then(() => (island.bulletinHydrated = true)));
      } else {
        console.error(`the client has no island ${island.dataset.component}`);
      }
    }
    return Promise.all(started);
  };

  // The client is asked for once the page has loaded (the document and its
  // stylesheet) and been painted, so its files never compete with what the
  // first paint needs (Lighthouse's phone counts any request made before the
  // paint as something the paint waited for); and every file at once:
  // neither the .wasm nor the module the .js imports waits for the .js.
  const start = () => {
    const wasm = fetch(wasmUrl);
    if (splitUrl) import(splitUrl).catch(() => {});
    import(jsUrl)
      .then(async (module) => {
        await module.default({ module_or_path: wasm });
        module.hydrate();
        client = module;
        await hydrateIslands();
        // The page is live: CSS shows the keyboard shortcuts, tests wait for it.
        document.body.setAttribute('data-hydrated', '');
      })
      .catch((error) => console.error('the client did not load', error));
  };
  // A frame callback runs just before the next paint; a task queued from it
  // runs after that paint. The paint is shown on screen (and counted as the
  // largest paint) a frame later, so the client waits for the frame after.
  const afterPaint = () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(start, 0)));
  if (document.readyState === 'complete') afterPaint();
  else addEventListener('load', afterPaint, { once: true });

  // The new page's flash message goes into the live region that is already
  // on screen, so assistive technology announces it.
  const moveFlash = (region, message) => {
    const arrived = document.querySelector('.flash');
    if (region && arrived && arrived !== region) {
      region.replaceChildren(...arrived.childNodes);
      arrived.replaceWith(region);
    }
    if (region && message) {
      const line = document.createElement('p');
      line.className = 'flash-message';
      line.textContent = message;
      region.replaceChildren(line);
    }
  };

  const swap = (next, message) => {
    document.title = next.title;
    const theme = next.documentElement.getAttribute('data-theme');
    if (theme) document.documentElement.setAttribute('data-theme', theme);
    else document.documentElement.removeAttribute('data-theme');

    const region = document.querySelector('.flash');
    const parts = ['body > header', 'body > main', 'body > footer'];
    if (parts.some((part) => !document.querySelector(part) || !next.querySelector(part))) {
      document.body.replaceChildren(...[...next.body.childNodes].map((node) => document.adoptNode(node)));
    } else {
      // A part that did not change keeps its elements, and its islands
      // their state (the footer's shortcut, a header not re-rendered).
      for (const part of parts) {
        const current = document.querySelector(part);
        const arrived = next.querySelector(part);
        if (current.outerHTML !== arrived.outerHTML) current.replaceWith(document.adoptNode(arrived));
      }
    }
    moveFlash(region, message);
  };

  const settle = (url, { restore, moved }) => {
    if (restore) {
      scrollTo(restore[0], restore[1]);
    } else if (url.hash && document.getElementById(decodeURIComponent(url.hash.slice(1)))) {
      document.getElementById(decodeURIComponent(url.hash.slice(1))).scrollIntoView();
    } else {
      scrollTo(0, 0);
    }
    if (moved) {
      // Where a screen reader would start on a new page: its heading.
      const heading = document.querySelector('main h1') ?? document.querySelector('main');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
      }
    }
  };

  // Fetches `url` (with `init`, for a form) and shows the page it answers
  // with. `push`: a new history entry; else the current one is replaced.
  const navigate = async (url, { init = {}, push = true, restore = null, message = null, fallback }) => {
    const mine = ++latest;
    document.documentElement.setAttribute('aria-busy', 'true');
    let response;
    let html;
    try {
      response = await fetch(url, { ...init, headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      html = await response.text();
    } catch {
      // Offline or cut off: let the browser try, and show its own error.
      if (mine === latest) (fallback ?? (() => location.assign(url)))();
      return;
    } finally {
      if (mine === latest) document.documentElement.removeAttribute('aria-busy');
    }
    if (mine !== latest) return;
    if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) {
      location.assign(response.url);
      return;
    }
    const landed = new URL(response.redirected ? response.url : url, location.href);
    if (push) {
      history.replaceState({ ...history.state, scroll: [scrollX, scrollY] }, '');
      history.pushState({}, '', landed);
    } else if (landed.href !== location.href) {
      history.replaceState(history.state, '', landed);
    }
    swap(new DOMParser().parseFromString(html, 'text/html'), message);
    shown = pageOf(landed);
    hydrateIslands();
    settle(landed, { restore, moved: !restore });
  };

  window.bulletinNavigate = (path, message) => navigate(new URL(path, location.href), { message });

  addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const link = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
    if (!link || link.target || link.hasAttribute('download') || /\bexternal\b/.test(link.rel)) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin) return;
    const here = url.pathname === location.pathname && url.search === location.search;
    if (here && url.hash) return;
    ev.preventDefault();
    navigate(url, { push: url.href !== location.href });
  });

  // A form an island does not handle itself (an island not yet hydrated, or
  // a plain form): sent as the browser would send it, and the page the
  // server answers with shown in place.
  addEventListener('submit', (ev) => {
    const form = ev.target;
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement) || form.target || form.bulletinNative) return;
    if (form.closest('leptos-island')?.bulletinHydrated) return;
    const submitter = ev.submitter;
    const action = new URL(submitter?.getAttribute('formaction') ?? form.action, location.href);
    const method = (submitter?.getAttribute('formmethod') ?? form.method).toUpperCase();
    if (action.origin !== location.origin || (method !== 'GET' && method !== 'POST')) return;
    ev.preventDefault();
    const fields = new URLSearchParams(new FormData(form, submitter));
    if (method === 'GET') {
      action.search = fields.toString();
      navigate(action, {});
    } else {
      navigate(action, { init: { method, body: fields }, fallback: () => {
        form.bulletinNative = true;
        form.requestSubmit(submitter ?? undefined);
      } });
    }
  });

  addEventListener('popstate', () => {
    if (pageOf(location) === shown) return;
    navigate(new URL(location.href), { push: false, restore: history.state?.scroll ?? [0, 0] });
  });
}
