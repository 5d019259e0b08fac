"""One search box over the portal: a full-text index of what each feature's pages show,
read through each feature's own visibility rule."""
