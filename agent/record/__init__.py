"""Recording a person's work as a scenario: input capture, steps, labels, template crops."""
