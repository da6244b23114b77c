"""How `koubei demo` shows each step's result: one module per demo step, each with `render(result, console)`."""
