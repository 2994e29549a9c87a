"""The bridge's rules: each public function is one use case and commits once."""
