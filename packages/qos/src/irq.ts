// IRQ observation, in the manner of QEMU qtest's irq_intercept_in (softmmu/qtest.c
// qtest_irq_handler): the input lines of an interrupt controller are wrapped so that every level
// change is reported (and still delivered); unchanged levels are not reported again.

/** Anything with a numbered level-input method: vmkit's IoApic (`setPin`), DualPic and the ISA
 * router (`setIrq`) all fit. */
export type IrqInputs<K extends string> = { [key in K]: (line: number, level: boolean) => void };

export interface IrqObserver {
  /** Current level of input `line` as last seen (false before any change). */
  level(line: number): boolean;
  /** Stop observing; the controller's method is restored. */
  detach(): void;
}

/**
 * Wrap `controller[method]` so `onChange(line, level)` runs after every input-level change.
 * The original method still runs first, so the machine behaves exactly as before.
 */
export function interceptIrqInputs<K extends string>(
  controller: IrqInputs<K>,
  method: K,
  onChange: (line: number, level: boolean) => void,
): IrqObserver {
  const levels = new Map<number, boolean>();
  const original = controller[method];
  const own = Object.hasOwn(controller, method);
  const wrapped = (line: number, level: boolean) => {
    original.call(controller, line, level);
    const l = !!level;
    if ((levels.get(line) ?? false) !== l) {
      levels.set(line, l);
      onChange(line, l);
    }
  };
  controller[method] = wrapped as IrqInputs<K>[K];
  return {
    level: (line) => levels.get(line) ?? false,
    detach: () => {
      if (own) controller[method] = original;
      else delete (controller as Partial<IrqInputs<K>>)[method];
    },
  };
}
