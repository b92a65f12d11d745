"use client";

import { useEffect, useRef, type RefObject } from "react";

/**
 * While `active`, a press (mouse, touch or pen) anywhere outside the `inside` elements calls
 * `onOutside`: how a panel or menu that is not modal closes when the person moves on (the
 * notification bell's panel, the phone menu).
 */
export function usePressOutside(active: boolean, inside: ReadonlyArray<RefObject<HTMLElement | null>>, onOutside: () => void) {
  // The latest of each, without re-subscribing on every render.
  const latest = useRef({ inside, onOutside });
  latest.current = { inside, onOutside };
  useEffect(() => {
    if (!active) return;
    const onPress = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!latest.current.inside.some((element) => element.current?.contains(target))) latest.current.onOutside();
    };
    document.addEventListener("pointerdown", onPress);
    return () => document.removeEventListener("pointerdown", onPress);
  }, [active]);
}
