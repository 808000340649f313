"""Plain, typed logic of the Veilig Thuis chat assistant, usable without Rasa."""
