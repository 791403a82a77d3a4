// ReDoc's sidebar shows the Redocly logo from Redocly's CDN. KAM loads nothing from third
// parties (its CSP would block the image and log an error), so that one image is swapped for
// an empty inline one before the browser asks for it. Loaded before redoc.standalone.js.
(function () {
  "use strict";
  const THIRD_PARTY = "https://cdn.redoc.ly/";
  const EMPTY = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAIBAAA=";
  const local = (value) => (String(value).startsWith(THIRD_PARTY) ? EMPTY : value);

  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    const swapped = this instanceof HTMLImageElement && String(name).toLowerCase() === "src";
    return setAttribute.call(this, name, swapped ? local(value) : value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get() {
      return src.get.call(this);
    },
    set(value) {
      src.set.call(this, local(value));
    },
  });
})();
