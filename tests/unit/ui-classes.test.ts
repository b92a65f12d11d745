import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Button } from "~/components/ui/button";

/** The class attribute of the one element `markup` renders. */
const classesOf = (markup: string) => (/class="([^"]*)"/.exec(markup)?.[1] ?? "").split(" ");

describe("component classes", () => {
  it("a caller's colour overrides the variant's (a destructive ghost button is red, not zinc)", () => {
    const classes = classesOf(renderToStaticMarkup(createElement(Button, { variant: "ghost", size: "sm", className: "text-red-700" }, "Remove")));
    expect(classes).toContain("text-red-700");
    expect(classes).not.toContain("text-zinc-700");
    // What does not conflict stays: the size and the hover of the variant.
    expect(classes).toEqual(expect.arrayContaining(["h-8", "text-sm", "hover:bg-zinc-100"]));
  });
});
