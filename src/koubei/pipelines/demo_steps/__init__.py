"""One module per capability shown by `koubei demo`; see `koubei.pipelines.demo` for the step contract."""
