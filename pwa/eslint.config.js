// `npm run lint`: TypeScript's own checks plus a gate on the ways text becomes markup.
// Everything a person typed reaches the page as text nodes (Preact's JSX, textContent), never as
// HTML: the HTML sinks of the DOM, Preact and Leaflet are errors here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import noUnsanitized from "eslint-plugin-no-unsanitized";

const LEAFLET_CONTENT = "/^(bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)$/";

export default tseslint.config(
  { ignores: ["dist/", "dev-dist/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "no-unsanitized": noUnsanitized },
    rules: {
      // innerHTML, outerHTML, insertAdjacentHTML, document.write(ln), createContextualFragment...
      "no-unsanitized/method": "error",
      "no-unsanitized/property": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-restricted-syntax": ["error",
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: "Put text in as text: no dangerouslySetInnerHTML." },
        { selector: `CallExpression[callee.property.name=${LEAFLET_CONTENT}][arguments.0.type!='CallExpression']`,
          message: "Leaflet puts a string in as HTML: pass textLabel(text) from supervisor/map.tsx." },
        { selector: `CallExpression[callee.property.name=${LEAFLET_CONTENT}] > CallExpression.arguments:first-child:not([callee.name='textLabel'])`,
          message: "Leaflet puts a string in as HTML: pass textLabel(text) from supervisor/map.tsx." },
        { selector: "CallExpression[callee.property.name='divIcon']", message: "L.divIcon takes HTML: build the element with textContent." },
        { selector: "JSXText[value=/[\\u3000-\\u303f\\uff01-\\uff1f\\u4e00-\\u9fff]/]",
          message: "Chinese text or punctuation in markup shows in English too: put it in the string tables (colon() for a label's colon)." },
        { selector: "JSXExpressionContainer :matches(Literal[value=/[\\u3001-\\u303f\\uff01-\\uff1f]/], TemplateElement[value.raw=/[\\u3001-\\u303f\\uff01-\\uff1f]/])",
          message: "Full-width punctuation in markup shows in English too: colon() and paren() from i18n.ts punctuate for the language." },
      ],
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "Use textContent." },
        { property: "outerHTML", message: "Use textContent." },
        { property: "insertAdjacentHTML", message: "Build elements and use textContent." },
        { object: "document", property: "write", message: "No document.write." },
      ],
    },
  },
);
